"""The webhook ingress: verify a vendor's delivery, dedupe it, debounce its hints, enqueue
`sync.refetch`, answer 2xx, all within milliseconds (`tajo webhooks serve`)."""
