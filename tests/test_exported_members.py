import types

import mockingbird


def test_all_imports_are_exported() -> None:
    """Every public name in the package namespace is listed in __all__, and __all__ is sorted."""
    public = sorted(
        (
            name
            for name, value in vars(mockingbird).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
        ),
        key=str.casefold,
    )
    assert mockingbird.__all__ == public
