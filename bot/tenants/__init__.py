"""Tenants: one deployment serving many communes' Official Accounts (a province's).

The OA configured by the environment is the first tenant (slug "", named by COMMUNE_NAME, keys under
REDIS_KEY_PREFIX exactly as before). Each other commune's OA is registered at run time
(`flask --app wsgi tenant add`) and gets Settings derived from the deployment's: its own hash-tagged
key prefix, Zalo credentials and name. Everything kept under the key prefix (followers, tickets,
statistics, areas, office, staff) is then per tenant without further work.
"""
