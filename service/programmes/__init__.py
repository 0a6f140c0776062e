"""The city's programmes: common technical needs (共性需求凝练) and open challenges (揭榜挂帅)."""
