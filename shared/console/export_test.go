package console

import "sync/atomic"

// CountPasswordChecks makes h count its argon2 password checks (call it before h serves).
func CountPasswordChecks(h *Handler) *atomic.Int64 {
	var n atomic.Int64
	check := h.verify
	h.verify = func(phc, password string) bool { n.Add(1); return check(phc, password) }
	return &n
}
