"""Pluggable delivery channels (SMS, voice, email, webhook) behind one adapter contract."""
