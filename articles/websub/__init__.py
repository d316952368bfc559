"""What happens at the moment an article goes public: publish events, the WebSub hub, webhooks.

- `events.py`: Article saves and deletes (signals) schedule, reschedule and cancel one
  `PublishEvent` per article and public moment, enqueued on the task queue (django-tasks,
  database backend) with `run_after` set to that moment.
- `tasks.py`: what the worker (`manage.py db_worker`) runs: firing an event (fanning it out
  into one `Delivery` per subscriber, topic, webhook and external hub, in one transaction),
  each delivery with retries, and the verification of subscribers' intent.
- `hub.py`: the WebSub hub endpoint (W3C WebSub Recommendation, sections 5 and 7).
- `outbound.py`: every request Masthead makes to a callback: no redirects, no private addresses.
- `links.py`: the `rel="hub"` and `rel="self"` links the feeds advertise.
"""
