"""The expert pool (专家库, 科技特派员): experts, matching them, 成果评价, the service log."""
