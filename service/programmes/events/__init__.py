"""Matchmaking events (推介会, 对接会, 路演): registrations, invitations, intents."""
