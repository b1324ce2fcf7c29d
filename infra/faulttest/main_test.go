// Package faulttest is the standing fault suite (docs/faults.md): hostile inputs through the local
// gateway and the real router, cross-tenant and cross-mode isolation over every route of the
// OpenAPI document with every kind of key, a SIGKILL of the runner during writes and deliveries,
// and a mixed load. It runs in `make test`; the long load run is opt-in (HAPIHUB_LOAD_SECONDS).
package faulttest

import (
	"os"
	"testing"

	"github.com/hapihub/hapihub/infra/localtest"
)

func TestMain(m *testing.M) { os.Exit(localtest.Main(m)) }
