"""Kembar's domain: vocabularies, the stage machine, ORM models, services and the outbox.

Nothing here imports the web app (api/, schema/) or the workers (workers/).
"""
