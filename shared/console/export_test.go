package console

import (
	"sync/atomic"

	"github.com/hapihub/hapihub/shared/store"
)

// CountPasswordChecks makes h count its argon2 password checks (call it before h serves).
func CountPasswordChecks(h *Handler) *atomic.Int64 {
	var n atomic.Int64
	check := h.verify
	h.verify = func(phc, password string) bool { n.Add(1); return check(phc, password) }
	return &n
}

// SessionSecrets fills a stored session's key secrets as the console derives them from the
// session's cookie token (the table holds none).
func SessionSecrets(token string, ss store.Session) store.Session {
	withSecrets(&ss, token)
	return ss
}
