"""The borrower's page (`/m/{link}`): the HTTP side of app.borrower's links, over the
preferences and tips it shows and saves."""
