"""What the JSON routes and the pages share: typed dependencies, sign-in and roles, error
bodies, body limits, the contact rule for JSON listings."""
