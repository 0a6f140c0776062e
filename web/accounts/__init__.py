"""Account pages: sign-in and sign-up, the account page, the inbox, admin accounts, audit."""
