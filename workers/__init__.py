"""Background work: the Dramatiq broker, the actors, the routing table and the outbox relay.

Run with ``kembar worker`` / ``kembar relay``, or ``dramatiq workers.actors`` directly; in the
embedded default (no Redis) ``kembar serve`` runs both in-process (:mod:`workers.embedded`).
"""
