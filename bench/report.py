"""The benchmark's one table: each figure beside the ceiling (or the baseline) it is compared
with, their ratio, and the issue's target for it."""

from collections.abc import Iterator

from bench.sizes import Sizes

Line = tuple[str, str, str, str, str]
HEADER: Line = ("figure", "measured", "compared with", "ratio", "target")


def rate(value: float) -> str:
    return f"{value:,.0f}/s"


def ms(value: float) -> str:
    return f"{value:,.1f} ms"


def lines(f: dict[str, float], sizes: Sizes) -> Iterator[Line]:
    if "ingest_ratio" in f:
        yield (
            f"batch ingest, {sizes.ingest_clients} clients x {sizes.ingest_batch}",
            rate(f["ingest_api_per_s"]),
            f"executemany {rate(f['raw_executemany_per_s'])}",
            f"{f['ingest_ratio']:.2f}",
            ">= 0.25",
        )
        yield ("", "", f"COPY {rate(f['raw_copy_per_s'])}", f"{f['ingest_over_copy']:.2f}", "")
        yield ("  API process CPU", f"{f['ingest_api_cpu']:.0%}", "", "", "")
    if "submit_p99_ms" in f:
        idle = f["submit_idle_p50_ms"]
        label = f"submits {sizes.submit_rate:g}/s open loop"
        yield (f"{label} p50", ms(f["submit_p50_ms"]), f"idle submit {ms(idle)}", "", "")
        yield ("  p99", ms(f["submit_p99_ms"]), f"idle submit {ms(idle)}", "", "<= 25 ms")
        yield ("  p99.9", ms(f["submit_p999_ms"]), "", "", "")
        yield ("  error rate", f"{f['submit_error_rate']:.1%}", "", "", "0")
        reached = "" if f["recovery_reached"] else " (not recovered)"
        yield ("  recovery_s", f"{f['recovery_s']:.2f} s{reached}", "< 50 ms again", "", "<= 1 s")
        if "submit_api_workers" in f:
            workers = f"{f['submit_api_workers']:g} API workers"
            yield ("  API processes' CPU", f"{f['submit_api_cpu']:.0%}", workers, "", "")
    if "dispatch_ratio" in f:
        wire = f"aiohttp loop {rate(f['wire_per_s'])}"
        yield (
            "dispatch, 1 worker",
            rate(f["dispatch1w_per_s"]),
            wire,
            f"{f['dispatch_ratio']:.2f}",
            ">= 0.50",
        )
        yield (
            "  twilio library loop",
            rate(f["twilio_loop_per_s"]),
            wire,
            f"{f['twilio_loop_ratio']:.2f}",
            "",
        )
        yield (
            "dispatch, 2 workers",
            rate(f["dispatch2w_per_s"]),
            "1 worker",
            f"{f['dispatch_2w_over_1w']:.2f}",
            ">= 1.6",
        )
        yield (
            "  stand-in CPU (loop/library/1w/2w)",
            f"{f['wire_standin_cpu']:.0%} / {f['twilio_loop_standin_cpu']:.0%}"
            f" / {f['dispatch1w_standin_cpu']:.0%} / {f['dispatch2w_standin_cpu']:.0%}",
            "",
            "",
            "",
        )
        yield (
            "  CPU 1w: worker / PostgreSQL",
            f"{f['dispatch1w_worker_cpu']:.0%} / {f['dispatch1w_postgres_cpu']:.0%}",
            "",
            "",
            "",
        )
        yield (
            "  CPU 2w: workers / PostgreSQL",
            f"{f['dispatch2w_worker_cpu']:.0%} / {f['dispatch2w_postgres_cpu']:.0%}",
            "",
            "",
            "",
        )
        floor = sizes.wave / f["wire_per_s"]
        yield (
            f"08:00 wave {sizes.wave:,}, 2 workers",
            f"{f['wave_drain_s']:.1f} s",
            f"at the loop's rate {floor:.1f} s",
            f"{floor / f['wave_drain_s']:.2f}",
            "",
        )
        yield (
            f"  with spread {sizes.wave_spread_s:g} s",
            f"{f['wave_spread_drain_s']:.1f} s",
            f"spread {sizes.wave_spread_s:g} s",
            "",
            "",
        )
        witnessed = sum(
            f[f"{run}_{what}"]
            for run in ("wire", "twilio_loop", "dispatch1w", "dispatch2w", "wave", "wave_spread")
            for what in ("duplicates", "lost")
        )
        yield ("  sent twice or lost (stand-in log)", f"{witnessed:.0f}", "", "", "0")
        yield (
            "worker RSS, last vs first quarter",
            f"{f['rss_last_quarter_mb']:.0f} MB",
            f"{f['rss_first_quarter_mb']:.0f} MB",
            f"{f['rss_growth']:.2f}",
            "<= 1.2",
        )
    if "claim_scale_ratio" in f:
        yield (
            f"claim 100, {sizes.backlog_large:,} not due",
            ms(f["claim_large_ms"]),
            f"{sizes.backlog_small:,}: {ms(f['claim_small_ms'])}",
            f"{f['claim_scale_ratio']:.2f}",
            "<= 1.5",
        )
        yield (
            f"policy decision, {sizes.contacts_large:,} contacts",
            ms(f["policy_large_ms"]),
            f"{sizes.contacts_small:,}: {ms(f['policy_small_ms'])}",
            f"{f['policy_scale_ratio']:.2f}",
            "<= 1.5",
        )
    yield (
        "peak RSS (API / worker)",
        f"{f['api_peak_rss_mb']:.0f} / {f['worker_peak_rss_mb']:.0f} MB",
        "",
        "",
        "",
    )


def table(figures: dict[str, float], sizes: Sizes) -> str:
    rows = [HEADER, *lines(figures, sizes)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    text = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    text.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in text)
