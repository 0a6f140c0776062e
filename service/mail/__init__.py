"""E-mail, optional: the in-app notifications and password-reset links sent through the
configured SMTP server (standard-library ``smtplib``), off the request path."""
