package web

// StatusPill is the CSS class of a status, for the platform's objects (keys, endpoints,
// deliveries) and the clinic's alike: settled or fine green, waiting amber, ended or failed red.
func StatusPill(s string) string {
	switch s {
	case "active", "succeeded", "enabled", "ok", // keys, endpoints, deliveries
		"booked", "arrived", "fulfilled", "paid", "inbound", "outbound": // clinical
		return "pill pill-ok"
	case "expiring", "pending", "retrying",
		"proposed", "open", "draft":
		return "pill pill-warn"
	case "revoked", "expired", "failed", "disabled",
		"cancelled", "noshow", "void", "deceased":
		return "pill pill-bad"
	}
	return "pill"
}
