"""Secrets long enough to pass a length check but easy to guess."""

GUESSABLE = {
    "one character": "a" * 40,
    "a word repeated": "changeme" * 5,
    "a capitalised word repeated": "Secret" * 6 + "!!!!",
    "two characters alternating": "ab" * 20,
    "keyboard rows": "qwertyuiopasdfghjklzxcvbnm1234567890",
    "the alphabet and digits": "abcdefghijklmnopqrstuvwxyz0123456789",
    "words and a count": "passwordpasswordpassword12345678",
    "hex digits counted twice": "0123456789abcdef" * 2 + "0123",
}
