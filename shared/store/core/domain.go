package core

import "github.com/hapihub/hapihub/shared/domain"

// The domain types live in shared/domain (no storage SDK there); these aliases keep the store's
// signatures and its callers' spelling.
type (
	Tenant           = domain.Tenant
	Meta             = domain.Meta
	Doc              = domain.Doc
	Mutate           = domain.Mutate
	ConditionError   = domain.ConditionError
	Result           = domain.Result
	Stats            = domain.Stats
	Account          = domain.Account
	Key              = domain.Key
	Connection       = domain.Connection
	KeyRef           = domain.KeyRef
	RequestLog       = domain.RequestLog
	RequestLogFilter = domain.RequestLogFilter
	RequestLogPage   = domain.RequestLogPage
	IdemRecord       = domain.IdemRecord
	Change           = domain.Change
)

// Modes, key statuses and idempotency record states (shared/domain).
const (
	Test        = domain.Test
	Live        = domain.Live
	KeyActive   = domain.KeyActive
	KeyRevoked  = domain.KeyRevoked
	IdemPending = domain.IdemPending
	IdemDone    = domain.IdemDone
)
