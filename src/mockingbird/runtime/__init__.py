"""The mock runtime core: what a mock answers to a request, with no ASGI, socket or store.

* ``engine``     ``MockEngine.answer(MockRequest) -> Answer`` and the hook order
* ``responses``  choosing and building a documented response (``ResponseBuilder``)
* ``checks``     security then validation of a request (``RequestChecker``)
* ``problem``    the one builder of ``application/problem+json`` answers
"""
