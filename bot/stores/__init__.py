"""Redis stores: each stored thing owns its keys, TTLs and scripts, and declares its key families.

`keys.FAMILIES` lists every key family a store declares (pattern, whether it holds per-citizen data,
how long it lives); `forget.forget_citizen` removes what a withdrawn citizen leaves behind.
"""
