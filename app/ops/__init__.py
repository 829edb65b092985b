"""The ops dashboard: server-rendered pages over the delivery log, timelines and backlog."""
