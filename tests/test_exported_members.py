import subprocess
import sys
import types

import mockingbird


def test_all_imports_are_exported() -> None:
    """Every public name of the package is listed in __all__, __all__ is sorted, and each name resolves."""
    for name in mockingbird.__all__:
        getattr(mockingbird, name)  # lazy names load here
    public = sorted(
        (
            name
            for name, value in vars(mockingbird).items()
            if not name.startswith("_")
            and not isinstance(value, types.ModuleType)
            and name not in {"annotations", "TYPE_CHECKING", "Any"}
        ),
        key=str.casefold,
    )
    assert mockingbird.__all__ == sorted(mockingbird.__all__, key=str.casefold)
    assert public == mockingbird.__all__


def test_importing_the_package_does_not_load_the_spec_loader_or_the_store() -> None:
    """`import mockingbird` stays cheap for the pytest plugin and the stdio proxy."""
    code = "import sys, mockingbird; print(sorted(m for m in sys.modules if m.startswith('mockingbird.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "mockingbird.openapi" not in loaded
    assert "mockingbird.store" not in loaded
    assert "mockingbird.errors" in loaded
