"""The PBX as a media endpoint: RTP sessions on asyncio over the sans-IO core's packets,
G.711 on whole packets, DTMF (RFC 4733 and in-band), prompts, and SDP negotiation."""
