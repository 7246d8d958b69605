"""External users (supplier, customer) see only their portal's menus and land on their portal;
internal users keep every menu and the cockpit; URLs stay guarded by scoping either way."""

from __future__ import annotations

import pytest
from django.test import Client, modify_settings
from django.urls import reverse

from qdm.core.navigation import (
    CUSTOMER,
    INTERNAL,
    SUPPLIER,
    MenuItem,
    landing_url,
    platform_menus,
    user_audiences,
)
from tests.personas import PASSWORD, World, make_user

pytestmark = pytest.mark.django_db

LANDING = modify_settings(
    MIDDLEWARE={
        "append": "qdm.core.middleware.ExternalLandingMiddleware",
    }
)


@pytest.fixture
def customer_c(world: World):
    return make_user("customer_c", "customer_user", customer=world.customer_c)


def _menus(response) -> dict[str, list[str]]:
    return {menu.key: [i.url_name for i in items] for menu, items in response.context["qdm_menus"]}


def _hrefs(response) -> str:
    return response.content.decode()


def test_audiences_follow_the_grants(world: World, customer_c) -> None:
    assert user_audiences(world.user("eng_a")) == {INTERNAL}
    assert user_audiences(world.user("cqo")) == {INTERNAL}
    assert user_audiences(world.user("outsider")) == {INTERNAL}  # no grants: as before
    assert user_audiences(world.user("supplier_x")) == {SUPPLIER}
    assert user_audiences(customer_c) == {CUSTOMER}


def test_supplier_user_sees_only_the_supplier_portal_menu(world: World, client_for) -> None:
    response = client_for("supplier_x").get(reverse("supplier:portal"))
    assert response.status_code == 200
    menus = _menus(response)
    assert list(menus) == ["supplier"]
    assert "supplier:portal" in menus["supplier"]
    assert "supplier:scarrequest_list" in menus["supplier"]
    # internal entries of the supplier platform are not offered to the supplier
    assert "supplier:switchingstate_list" not in menus["supplier"]
    assert "supplier:scorecardweights_list" not in menus["supplier"]
    page = _hrefs(response)
    assert f'href="{reverse("supplier:portal")}"' in page
    for hidden in ("manufacturing:index", "system:index", "core:index", "cockpit:index"):
        assert f'href="{reverse(hidden)}"' not in page, hidden
    assert f'class="navbar-brand me-3" href="{reverse("cockpit:my_home")}"' in page


def test_customer_user_sees_only_the_service_menu(world: World, customer_c) -> None:
    client = Client()
    client.force_login(customer_c)
    response = client.get(reverse("service:complaint_list"))
    assert response.status_code == 200
    menus = _menus(response)
    assert list(menus) == ["service"]
    assert "service:complaint_list" in menus["service"]
    assert "service:at_risk" not in menus["service"]
    page = _hrefs(response)
    for hidden in ("manufacturing:index", "supplier:index", "system:index", "core:index"):
        assert f'href="{reverse(hidden)}"' not in page, hidden
    # the service app offers customers no landing page: the home stays, with the service menu
    assert landing_url(customer_c) is None
    with LANDING:
        home = client.get("/")
    assert home.status_code == 200
    assert list(_menus(home)) == ["service"]


def test_internal_users_keep_every_menu(world: World, client_for) -> None:
    response = client_for("eng_a").get("/")
    assert response.status_code == 200
    menus = _menus(response)
    assert list(menus) == [m.key for m in platform_menus()]
    assert "supplier:switchingstate_list" in menus["supplier"]
    assert "supplier:portal" in menus["supplier"]
    assert landing_url(world.user("eng_a")) is None
    with LANDING:
        assert client_for("eng_a").get("/").status_code == 200


def test_supplier_user_lands_on_their_home_page(world: World, client_for) -> None:
    # their own widget page (issue 10 §7), offered in the supplier menu, next to the portal
    assert landing_url(world.user("supplier_x")) == reverse("cockpit:my_home")
    with LANDING:
        response = client_for("supplier_x").get("/")
    assert response.status_code == 302 and response.url == reverse("cockpit:my_home")
    page = client_for("supplier_x").get(response.url)
    assert page.status_code == 200
    assert f'href="{reverse("supplier:portal")}"' in page.content.decode()


def test_login_sends_supplier_users_to_their_portal(world: World) -> None:
    response = Client().post(reverse("login"), {"username": "supplier_x", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("cockpit:my_home")
    response = Client().post(reverse("login"), {"username": "eng_a", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("cockpit:home")


def test_direct_urls_stay_guarded(world: World, client_for, customer_c) -> None:
    supplier = client_for("supplier_x")
    # a site of the group and another supplier's record: not theirs, 404 as before
    assert supplier.get(reverse("core:site_detail", args=[world.site_a.pk])).status_code == 404
    assert (
        supplier.get(reverse("core:supplier_detail", args=[world.supplier_y.pk])).status_code == 404
    )
    assert (
        supplier.get(reverse("core:supplier_detail", args=[world.supplier_x.pk])).status_code == 200
    )
    # a list of a model the role may not view: refused as before
    assert supplier.get(reverse("core:grant_list")).status_code == 403
    customer = Client()
    customer.force_login(customer_c)
    assert customer.get(reverse("supplier:portal")).status_code == 403
    assert (
        customer.get(reverse("core:customer_detail", args=[world.customer_c.pk])).status_code == 200
    )


def test_unknown_audience_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown menu audience"):
        MenuItem("x", "core:index", audiences=("partners",))
