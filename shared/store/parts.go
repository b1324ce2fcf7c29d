// Package store is HAPI Hub's table, assembled: the table core (shared/store/core: tenant keys,
// the clinical objects' writes with their events and outbox, ids, attribute encoding), the search
// planner (shared/store/search, which also keeps the indexes the core's writes carry), and the
// feature slices, each owning its items: accounts, keys and identity (accountstore), webhooks
// (webhookstore), idempotency (idemstore) and request logs (logstore). The domain types live in
// shared/domain. Callers use one *Store; its methods are the parts' methods.
package store

import (
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

// New returns the store on table, its writes indexed by the search planner.
func New(db core.DB, table string) *Store {
	st := assemble(db, table)
	st.Store.Indexer = st.Index
	return st
}

func assemble(db core.DB, table string) *Store {
	c := core.New(db, table)
	return &Store{Store: c, Index: search.New(c), Accounts: accountstore.New(c), Webhooks: webhookstore.New(c),
		Idempotency: idemstore.New(c), RequestLogs: logstore.New(c)}
}
