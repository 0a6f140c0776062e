"""万达开科技成果库: the three cities' achievements by region tier, admin tags, the export."""
