package domain

// Account is a developer's company.
type Account struct {
	ID          string
	Name        string
	SandboxOrg  string            // the test-mode organization, St. Mungo's Clinic
	UsageKeys   map[string]string // mode -> API Gateway usage identifier key
	IPAllowlist []string          // CIDRs; live requests from elsewhere are refused
	CreatedAt   int64
	// APIVersion is the API version the account is pinned to (shared/apiversion); "" for
	// accounts made before versions were recorded, which are pinned to the first.
	APIVersion string
}

// Key is an API key's record. The secret itself is never stored for live keys, only its hash.
type Key struct {
	ID          string
	AccountID   string
	Mode        string
	Type        string // secret, publishable, restricted
	Hash        string
	Last4       string
	Status      string // active, revoked
	ExpiresAt   int64  // Unix ms; 0 = never (set when rolled with a grace period)
	Name        string
	Note        string
	Permissions map[string]string // restricted keys: resource -> none|read|write
	Revealable  string            // the full secret of a test key (test keys can be revealed any time)
	CreatedAt   int64
	// Session is the console member (email) a session key acts for. Session keys exist only as
	// their hash item (never in the account's key listing) and expire with the console session.
	Session string
}

// Connection is an account's link to a live organization.
type Connection struct {
	Org    string
	Status string // active, revoked
}

// Key statuses as stored. "expiring" and "expired" are derived from ExpiresAt when shown.
const (
	KeyActive  = "active"
	KeyRevoked = "revoked"
)

// KeyRef is a key's entry in its account's listing partition (ACCT#<id>#<mode>#KEYS). It mirrors
// the key's status and expiry, so a function can re-check a key on every request with one
// GetItem by key id: the authorizer's cached policy may outlive a revocation by up to its TTL.
type KeyRef struct {
	ID        string
	Hash      string
	Status    string
	ExpiresAt int64
}

// Valid reports whether the key may still be used at now (Unix ms).
func (r KeyRef) Valid(nowMs int64) bool {
	return (r.Status == "" || r.Status == KeyActive) && (r.ExpiresAt == 0 || nowMs < r.ExpiresAt)
}
