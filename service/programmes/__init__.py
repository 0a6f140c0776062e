"""The city's programmes: common needs, challenges (揭榜挂帅), events, the expert pool."""
