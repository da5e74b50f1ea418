"""Operation ids that outlive a split into modules.

django-ninja names an operation ``<module>_<function>`` (dots as underscores): moving an endpoint from
``api/plan.py`` into ``api/plan/tasks.py`` would rename it in the OpenAPI document, and clients generated
from the document name their calls by it. A package of endpoints therefore keeps the ids of the module it
was (``keep_module_ids(router, "busbar.programmes.api.plan")``), after its endpoints are registered and
before the router is mounted.
"""

from ninja import Router


def keep_module_ids(router: Router, module: str) -> None:
    """Give each operation of ``router`` that has no explicit id the one it had in ``module``."""
    prefix = module.replace(".", "_")
    for path_view in router.path_operations.values():
        for operation in path_view.operations:
            if operation.operation_id is None:
                operation.operation_id = f"{prefix}_{operation.view_func.__name__}"
