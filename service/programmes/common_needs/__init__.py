"""共性需求凝练: grouping needs, review, the 重大科技需求目录 and achievements for a group."""
