"""Test support shared by the tests and the benchmark.

Fake provider servers (``fakes/<provider>_api.py``, classes ``Fake<Provider>``) and API Gateway
event builders (``events.py``).
"""
