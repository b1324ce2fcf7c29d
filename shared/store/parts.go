// Package store is HAPI Hub's table, assembled: the table core (shared/store/core: tenant keys,
// the clinical objects' writes with their events and outbox, ids, attribute encoding), the search
// planner (shared/store/search, which also keeps the indexes the core's writes carry), and the
// feature slices, each owning its items: accounts, keys and identity (accountstore), webhooks
// (webhookstore), idempotency (idemstore) and request logs (logstore). The domain types live in
// shared/domain. Callers use one *Store; its methods are the parts' methods.
package store

import (
	"github.com/hapihub/hapihub/shared/domain"
	"github.com/hapihub/hapihub/shared/store/accountstore"
	"github.com/hapihub/hapihub/shared/store/core"
	"github.com/hapihub/hapihub/shared/store/idemstore"
	"github.com/hapihub/hapihub/shared/store/logstore"
	"github.com/hapihub/hapihub/shared/store/search"
	"github.com/hapihub/hapihub/shared/store/webhookstore"
)

// Store is the table with all its parts over one core (one client, table name, clock and
// publisher): the core's fields (DB, Table, Now, LockTimeout, Publisher) are the Store's.
type Store struct {
	*core.Store
	*search.Index
	*accountstore.Accounts
	*webhookstore.Webhooks
	*idemstore.Idempotency
	*logstore.RequestLogs
}

// DB is the part of the DynamoDB client the store uses.
type DB = core.DB

// New returns the store on table, its writes indexed by the search planner.
func New(db DB, table string) *Store {
	st := assemble(db, table)
	st.Store.Indexer = st.Index
	return st
}

// NewForTemplates is New for a binary that links text/template (the console): the planner is
// bound as func values (core.IndexFuncs says why). Elsewhere New links less: an interface keeps
// only the methods called through it.
func NewForTemplates(db DB, table string) *Store {
	st := assemble(db, table)
	idx := st.Index
	st.Store.Indexer = core.IndexFuncs{Attrs: idx.IndexAttrs, Writes: idx.IndexWrites, Begin: idx.BeginWrite, Settle: idx.SettleWrite}
	return st
}

func assemble(db DB, table string) *Store {
	c := core.New(db, table)
	return &Store{Store: c, Index: search.New(c), Accounts: accountstore.New(c), Webhooks: webhookstore.New(c),
		Idempotency: idemstore.New(c), RequestLogs: logstore.New(c)}
}

// RetryConflicts is the DynamoDB client option the store's transactions expect (core).
var RetryConflicts = core.RetryConflicts

// The domain types (shared/domain) and the core's, under the names callers use.
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
	Tx               = domain.Tx
	IdemCommit       = domain.IdemCommit
	UniqueClaim      = domain.UniqueClaim

	EventQuery  = core.EventQuery
	EventPage   = core.EventPage
	OutboxEntry = core.OutboxEntry
	Publisher   = core.Publisher
)

// Modes, key statuses and idempotency record states (shared/domain).
const (
	Test        = domain.Test
	Live        = domain.Live
	KeyActive   = domain.KeyActive
	KeyRevoked  = domain.KeyRevoked
	IdemPending = domain.IdemPending
	IdemDone    = domain.IdemDone
	GSI1        = core.GSI1
)

// Ids and events (core).
var (
	NewID       = core.NewID
	NewIDPrefix = core.NewIDPrefix
	IDTime      = core.IDTime
	IDFrom      = core.IDFrom
	NewEvent    = core.NewEvent
	SortedKeys  = core.SortedKeys
)

// The search planner's index layout (search).
type IndexSlot = search.IndexSlot

var (
	IndexRow    = search.IndexRow
	IndexSlots  = search.IndexSlots
	IndexSlotSK = search.IndexSlotSK
)

const (
	MaxPairs     = search.MaxPairs
	MaxPairTerms = search.MaxPairTerms
	MaxTerms     = search.MaxTerms
)

// Accounts, keys and identity (accountstore).
type (
	User            = accountstore.User
	Membership      = accountstore.Membership
	SessionKey      = accountstore.SessionKey
	Session         = accountstore.Session
	Invite          = accountstore.Invite
	EmailTakenError = accountstore.EmailTakenError
)

const (
	RoleOwner     = accountstore.RoleOwner
	RoleDeveloper = accountstore.RoleDeveloper
	RoleViewer    = accountstore.RoleViewer
)

var (
	Roles            = accountstore.Roles
	NormalizeEmail   = accountstore.NormalizeEmail
	ErrNoUser        = accountstore.ErrNoUser
	ErrNoSession     = accountstore.ErrNoSession
	ErrNoInvite      = accountstore.ErrNoInvite
	ErrNotMember     = accountstore.ErrNotMember
	ErrAlreadyMember = accountstore.ErrAlreadyMember
	ErrLastOwner     = accountstore.ErrLastOwner
)

// Webhooks (webhookstore).
type (
	Secret   = webhookstore.Secret
	Endpoint = webhookstore.Endpoint
	Attempt  = webhookstore.Attempt
	Delivery = webhookstore.Delivery
	Due      = webhookstore.Due
)

const (
	EndpointEnabled   = webhookstore.EndpointEnabled
	EndpointDisabled  = webhookstore.EndpointDisabled
	DeliveryPending   = webhookstore.DeliveryPending
	DeliverySucceeded = webhookstore.DeliverySucceeded
	DeliveryFailed    = webhookstore.DeliveryFailed
)

var (
	DeliveryID = webhookstore.DeliveryID
	ErrStale   = webhookstore.ErrStale
)

// Idempotency and request logs (idemstore, logstore).
const (
	IdempotencyTTL   = idemstore.IdempotencyTTL
	IdempotencyLease = idemstore.IdempotencyLease
	RequestLogTTL    = logstore.RequestLogTTL
)
