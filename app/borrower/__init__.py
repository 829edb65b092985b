"""The borrower's own page: the short signed link in every message, the page and its forms."""
