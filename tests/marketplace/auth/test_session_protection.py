"""Session protection "basic": a changing mobile address does not sign people out."""

from __future__ import annotations


def test_a_new_address_keeps_the_user_signed_in(client, login, world):
    login(world["county"])
    home = client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": "Phone/1"})
    assert home.status_code == 200
    moved = client.get("/accounts/", environ_base={"REMOTE_ADDR": "10.9.8.7", "HTTP_USER_AGENT": "Phone/1"})
    assert moved.status_code == 200  # not redirected to the sign-in page
    assert world["county"].display_name in moved.get_data(as_text=True)
