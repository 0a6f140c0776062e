"""Search index backends, one module each (``embedded``, ``elasticsearch``); ``factory`` picks."""
