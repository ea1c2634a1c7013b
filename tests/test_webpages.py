"""The rendered-form driver itself: signing in through the page's own form."""

def test_sign_in_through_rendered_form(pages, world):
    home = pages.sign_in(world["county"])
    assert home.status_int == 200
