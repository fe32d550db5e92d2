# Local stubs for dill, which Pulumi uses to serialize dynamic providers and which
# ships no type information. Only what slrkit's tests call is declared.

def dumps(
    obj: object,
    protocol: int | None = None,
    byref: bool | None = None,
    fmode: int | None = None,
    recurse: bool | None = None,
    **kwds: object,
) -> bytes: ...
def loads(data: bytes, /, ignore: bool | None = None, **kwds: object) -> object: ...
