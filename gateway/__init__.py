"""The gateway: the platform's only public HTTP entry (JSON API, web client, health)."""
