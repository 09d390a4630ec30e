"""Routes by quarter on the categories page: the administrator picks a quarter (named with its
village) and a department for a category; that quarter's new requests in the category go there, and
the route can be removed. Another municipality's quarter, department or route is refused and audited."""

import sqlalchemy as sa

from storage.enums import AuditOutcome
from storage.models import Category, CategoryRoute, Department, Quarter
from tests.backoffice_world import add_request, audit_entries
from tests.setup_world import office, staffed_office  # noqa: F401 - fixtures


async def _ids(db, model, municipality_id: int, **where) -> list[int]:
    async with db.reader() as session:
        query = sa.select(model.id).where(model.municipality_id == municipality_id, *(
            getattr(model, name) == value for name, value in where.items()))
        return list((await session.scalars(query.order_by(model.id))).all())


async def _routes(db) -> list[tuple[int, int, int]]:
    async with db.reader() as session:
        rows = await session.scalars(sa.select(CategoryRoute).order_by(CategoryRoute.id))
        return [(r.category_id, r.quarter_id, r.department_id) for r in rows.all()]


async def test_a_route_sends_a_quarters_requests_to_another_department_until_removed(office):
    service, world, client = office
    water = (await _ids(service.db, Category, world.alm_id, code="water"))[0]
    water_department = await _ids(service.db, Department, world.alm_id, code="water")
    roads = next(d for d in await _ids(service.db, Department, world.alm_id) if d not in water_department)
    second_quarter = (await _ids(service.db, Quarter, world.alm_id))[1]
    admin = await client("admin.alm")
    csrf = await admin.csrf("/setup/categories")
    status, page = await admin.get("/setup/categories")
    assert status == 200 and f'<option value="{second_quarter}">' in page
    label = page.split(f'<option value="{second_quarter}">', 1)[1].split("<", 1)[0]
    assert ", " in label, label  # the quarter is named with its village

    status, page = await admin.post(f"/setup/categories/{water}/routes", {"csrf": csrf, "quarter": str(second_quarter),
                                                                         "department": str(roads)})
    assert status == 200 and "Маршрут добавлен" in page and label in page.split('class="routes"', 1)[1]
    before = await _routes(service.db)
    assert (water, second_quarter, roads) in before
    async with service.db.transaction() as session:
        routed = await add_request(session, "ALM", "Нет воды во втором квартале", quarter_no=2)
    assert routed.department_id == roads

    status, page = await admin.post(f"/setup/categories/{water}/routes", {"csrf": csrf, "quarter": str(second_quarter),
                                                                         "department": str(roads)})
    assert status == 400 and "уже есть маршрут" in page and await _routes(service.db) == before

    route = page.split('id="route-', 1)[1].split('"', 1)[0]
    status, page = await admin.post(f"/setup/routes/{route}/remove", {"csrf": csrf})
    assert status == 200 and (water, second_quarter, roads) not in await _routes(service.db)
    async with service.db.transaction() as session:
        unrouted = await add_request(session, "ALM", "Опять нет воды", quarter_no=2)
    assert unrouted.department_id != roads


async def test_another_municipalitys_quarter_or_route_is_refused(office):
    service, world, client = office
    water = (await _ids(service.db, Category, world.alm_id, code="water"))[0]
    alm_department = (await _ids(service.db, Department, world.alm_id))[0]
    tkm_quarter = (await _ids(service.db, Quarter, world.tkm_id))[0]
    tkm_water = (await _ids(service.db, Category, world.tkm_id, code="water"))[0]
    tkm_department = (await _ids(service.db, Department, world.tkm_id))[0]
    async with service.db.transaction() as session:
        session.add(CategoryRoute(category_id=tkm_water, quarter_id=tkm_quarter, department_id=tkm_department))
    before = await _routes(service.db)
    admin = await client("admin.alm")
    csrf = await admin.csrf("/setup/categories")
    for path, form in ((f"/setup/categories/{water}/routes", {"quarter": tkm_quarter, "department": alm_department}),
                       (f"/setup/categories/{tkm_water}/routes", {"quarter": tkm_quarter,
                                                                   "department": tkm_department})):
        status, _page = await admin.post(path, {"csrf": csrf, **{k: str(v) for k, v in form.items()}})
        assert status == 404, path
    tkm_route = before[-1]
    async with service.db.reader() as session:
        tkm_route_id = await session.scalar(sa.select(CategoryRoute.id).where(CategoryRoute.category_id == tkm_water))
    status, _page = await admin.post(f"/setup/routes/{tkm_route_id}/remove", {"csrf": csrf})
    assert status == 404 and await _routes(service.db) == before and tkm_route in before
    refused = [e.action for e in await audit_entries(service.db) if e.outcome == AuditOutcome.REFUSED]
    assert refused == ["setup_add_route", "setup_add_route", "setup_remove_route"]

    kvartal = await client("kvartal.alm")
    status, _page = await kvartal.post(f"/setup/routes/{tkm_route_id}/remove", {"csrf": await kvartal.csrf()})
    assert status == 403 and await _routes(service.db) == before
