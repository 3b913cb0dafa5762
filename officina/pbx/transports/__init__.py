"""asyncio transports of the SIP server: UDP, TCP and WebSocket."""
