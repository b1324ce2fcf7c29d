# HAPI Hub. `make run` starts the whole stack locally; `make test` runs every test.
# Only Go and make are needed.

GO        ?= go
FUNCTIONS := $(notdir $(wildcard functions/*))
# SAM sets ARTIFACTS_DIR when it calls build-<LogicalId>; `make build` uses bin/<function>/.
ARTIFACTS_DIR ?= bin
LAMBDA_ENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags="-s -w"

.PHONY: run console-link test lint test-sdk-go test-sdk-js screenshots bench coldstart build invoke openapi listen fmt vet clean

run: ## the whole stack on http://localhost:3000 with embedded DynamoDB, SQS and scheduler
	$(GO) run ./infra/cmd/hapihub run

# While make run runs, its data directory holds an unused one-time link that signs in to the
# console as the local account's owner (each start prints one too; infra/local/runner/signin.go).
console-link: ## a one-time console sign-in link for make run's local account (make run must be running)
	@cat "$${HAPIHUB_DATA_DIR:-.hapihub}/console-sign-in" 2>/dev/null || \
		{ echo "no sign-in link in $${HAPIHUB_DATA_DIR:-.hapihub}/: start make run (it prints one)" >&2; exit 1; }

# -timeout is go test's guard against a hang, per package binary. Under -race on 2 cores at load
# 16-25 (2026-12-08) infra/localtest took 12.8 minutes and infra/cmd/hapihub 12.6 (TestRunAndInvoke
# seeds and resets St. Mungo's whole clinic), past go test's 10-minute default.
test: ## every test, with the race detector, then the lint checks
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...
	$(MAKE) test-sdk-go test-sdk-js
	$(MAKE) lint

# Pinned in infra/tools/go.mod (a module of its own); built once into bin/tools, from the module
# cache afterwards, so it works offline after the first download.
STATICCHECK := bin/tools/staticcheck

lint: ## go.mod tidy, staticcheck (pinned), cyclomatic complexity <= 25 outside tests; lists every finding
	$(GO) -C infra/tools build -o $(CURDIR)/$(STATICCHECK) honnef.co/go/tools/cmd/staticcheck
	@fail=; \
	$(GO) mod tidy -diff || { echo "lint: go.mod/go.sum are not tidy (run go mod tidy)"; fail=1; }; \
	$(GO) -C infra/tools mod tidy -diff || { echo "lint: infra/tools/go.mod is not tidy"; fail=1; }; \
	$(STATICCHECK) ./... || { echo "lint: staticcheck findings above"; fail=1; }; \
	$(GO) run ./infra/cmd/cyclo -over 25 . || fail=1; \
	if [ -n "$$fail" ]; then echo "lint: failed"; exit 1; fi

test-sdk-go: ## the Go SDK, a module of its own (the root's ./... does not reach into it)
	cd sdk/go && $(GO) vet ./... && $(GO) test -race -count=1 ./...

test-sdk-js: ## the JavaScript SDK against the real stack; needs Node 18+ and npm, skipped without them
	@if command -v npm >/dev/null 2>&1 && node -e 'process.exit(parseInt(process.versions.node) < 18 ? 1 : 0)' 2>/dev/null; then \
		cd sdk/js && npm ci --no-audit --no-fund && npm test; \
	else echo "skipping sdk/js tests: Node 18+ and npm not found"; fi

screenshots: ## the console's pages as PNGs in docs/console/, taken by its browser test (needs Chromium)
	mkdir -p docs/console && rm -f docs/console/*.png
	HAPIHUB_SCREENSHOTS=$(CURDIR)/docs/console $(GO) test -count=1 -run 'TestBrowser' ./shared/console/
	@ls docs/console/*.png >/dev/null 2>&1 || { echo "no screenshots in docs/console: is Chromium installed (HAPIHUB_CHROMIUM)?"; exit 1; }

bench: ## benchmarks; figures go to docs/benchmarks.md
	mkdir -p docs
	$(GO) test -run '^$$' -bench . -benchmem -benchtime=300ms -count=1 -timeout 30m ./... > .bench.out || (cat .bench.out; exit 1)
	$(GO) run ./infra/cmd/benchreport < .bench.out > docs/benchmarks.md
	rm -f .bench.out
	$(GO) run ./infra/cmd/coldstart -o .coldstart.md
	{ echo; cat .coldstart.md; } >> docs/benchmarks.md && rm -f .coldstart.md
	cat docs/benchmarks.md

coldstart: ## every function's init against a bare aws-lambda-go hello, and arm64 sizes -> docs/coldstart.md
	$(GO) run ./infra/cmd/coldstart -o docs/coldstart.md

invoke: ## make invoke FUNCTION=patients EVENT=events/patients-find.json [FLAGS="-temp -raw"]
	$(GO) run ./infra/cmd/hapihub invoke -function $(FUNCTION) -event $(EVENT) $(FLAGS)

openapi: ## docs/openapi.json, generated from the route tables and resource schemas
	$(GO) run ./infra/cmd/openapi -o docs/openapi.json

build: $(addprefix build-fn-,$(FUNCTIONS)) ## every Lambda as bin/<function>/bootstrap for linux/arm64

build-fn-%:
	mkdir -p $(ARTIFACTS_DIR)/$*
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/$*/bootstrap ./functions/$*

# SAM's `BuildMethod: makefile` calls build-<LogicalId> with ARTIFACTS_DIR set to the function's
# own output directory. One target per function in template.yaml (a test checks they agree).
sam-build = $(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./functions/$(1)

build-AuthorizerFunction: ; $(call sam-build,authorizer)
build-PatientsFunction: ; $(call sam-build,patients)
build-ApiKeysFunction: ; $(call sam-build,api-keys)
build-TokensFunction: ; $(call sam-build,tokens)
build-AccountFunction: ; $(call sam-build,account)
build-PractitionersFunction: ; $(call sam-build,practitioners)
build-AppointmentsFunction: ; $(call sam-build,appointments)
build-MessagesFunction: ; $(call sam-build,messages)
build-InvoicesFunction: ; $(call sam-build,invoices)
build-OrganizationsFunction: ; $(call sam-build,organizations)
build-OpenapiFunction: ; $(call sam-build,openapi)
build-ConsoleFunction: ; $(call sam-build,console)
build-EventsFunction: ; $(call sam-build,events)
build-WebhookEndpointsFunction: ; $(call sam-build,webhook-endpoints)
build-WebhookDispatchFunction: ; $(call sam-build,webhook-dispatch)
build-WebhookSweeperFunction: ; $(call sam-build,webhook-sweeper)
build-SandboxWorkerFunction: ; $(call sam-build,sandbox-worker)

listen: ## make listen URL=http://localhost:4242/webhook [EVENTS=patient.*] forwards test events, like stripe listen
	$(GO) run ./infra/cmd/listen -forward-to $(URL) $(if $(EVENTS),-events '$(EVENTS)') $(if $(API),-api $(API)) $(if $(KEY),-key $(KEY))

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin .aws-sam .bench.out .coldstart.md
