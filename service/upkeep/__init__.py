"""Background work of a serving process: the match lists and what derives from them kept
current after each change (``warm.py``), and the inbox sweep with listing terms; run by one
thread per serving process (``runner.py``) so that no request ever does it."""
