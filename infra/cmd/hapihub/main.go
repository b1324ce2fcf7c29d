// Command hapihub runs HAPI Hub locally.
//
//	hapihub run                                   the whole API on http://localhost:$PORT (default 3000)
//	hapihub invoke -function patients -event events/patients-find.json
//
// Both read template.yaml (the -template flag; default ./template.yaml) and keep their data in
// .hapihub/ (HAPIHUB_DATA_DIR overrides it), so an invoke sees what run left and the sandbox is
// seeded once; invoke -temp uses a throwaway directory instead (needed while run holds the data). The embedded DynamoDB, SQS and API Gateway management API listen on
// 127.0.0.1 on random ports, or HAPIHUB_DYNAMODB_PORT, HAPIHUB_SQS_PORT and HAPIHUB_APIGATEWAY_PORT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hapihub/hapihub/infra/dynamo"
	"github.com/hapihub/hapihub/infra/local/runner"
	"github.com/hapihub/hapihub/infra/sqs"
	"github.com/hapihub/hapihub/infra/template"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "hapihub:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  hapihub run    [-template template.yaml]
  hapihub invoke -function NAME -event FILE [-template template.yaml] [-data-dir DIR | -temp] [-raw]`

// run dispatches a subcommand. ready, when not nil, receives the API's base URL once the server
// listens (tests).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready func(string)) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	noConflicts = getenv("HAPIHUB_DYNAMODB_CONFLICTS") == "off"
	region = getenv("AWS_REGION")
	switch args[0] {
	case "run":
		return serve(ctx, args[1:], getenv, stdout, log, ready)
	case "invoke":
		return invoke(ctx, args[1:], getenv, stdout, log)
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// noSync skips fsync in the embedded services; tests set it, since they need no durability
// against power loss and fsync dominates seeding the sandbox.
var noSync bool

// noConflicts turns the engine's transaction conflicts off (HAPIHUB_DYNAMODB_CONFLICTS=off): on by
// default, so the store's conflict retries run locally as they do on DynamoDB.
var noConflicts bool

// region is AWS_REGION: the engine's ARNs (and so the resources policies name) use it.
var region string

// services are the embedded AWS-compatible services, listening on loopback.
type services struct {
	dynamo         *dynamo.Engine
	queues         *sqs.Server
	dynamoEndpoint string
	sqsEndpoint    string
}

// startServices opens the embedded DynamoDB and SQS on dir. Ports: random unless given.
func startServices(ctx context.Context, dir, dynamoPort, sqsPort string) (_ *services, err error) {
	s := &services{}
	defer func() {
		if err != nil {
			_ = s.close()
		}
	}()
	if s.dynamo, err = dynamo.Open(dir, dynamo.Options{NoSync: noSync, NoConflicts: noConflicts, Region: region}); err != nil {
		return nil, err
	}
	if s.dynamoEndpoint, err = dynamo.Serve(ctx, net.JoinHostPort("127.0.0.1", portOr0(dynamoPort)), s.dynamo); err != nil {
		return nil, err
	}
	if s.queues, err = sqs.Open(dir, sqs.Options{NoSync: noSync}); err != nil {
		return nil, err
	}
	if s.sqsEndpoint, err = s.queues.ListenAddr(net.JoinHostPort("127.0.0.1", portOr0(sqsPort))); err != nil {
		return nil, err
	}
	return s, nil
}

func portOr0(p string) string {
	if p == "" {
		return "0"
	}
	return p
}

// close closes the queue service, then the table store; call it after the API has finished its
// requests, so nothing acknowledged is lost.
func (s *services) close() error {
	var errs []error
	if s.queues != nil {
		errs = append(errs, s.queues.Close())
	}
	if s.dynamo != nil {
		errs = append(errs, s.dynamo.Close())
	}
	return errors.Join(errs...)
}

func dataDir(getenv func(string) string) string {
	if d := getenv("HAPIHUB_DATA_DIR"); d != "" {
		return d
	}
	return ".hapihub"
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log *slog.Logger, ready func(string)) (err error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	tplPath := fs.String("template", "template.yaml", "the SAM template")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tpl, err := template.Load(*tplPath)
	if err != nil {
		return err
	}
	svc, err := startServices(ctx, dataDir(getenv), getenv("HAPIHUB_DYNAMODB_PORT"), getenv("HAPIHUB_SQS_PORT"))
	if err != nil {
		return err
	}
	// The services close last, after the server has finished every request it accepted.
	defer func() {
		if cerr := svc.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	apigwAddr := ""
	if p := getenv("HAPIHUB_APIGATEWAY_PORT"); p != "" {
		apigwAddr = net.JoinHostPort("127.0.0.1", p)
	}
	stack, err := runner.Start(ctx, runner.Options{Template: tpl, DynamoDBEndpoint: svc.dynamoEndpoint, SQSEndpoint: svc.sqsEndpoint,
		Region: getenv("AWS_REGION"), Log: log, DataDir: dataDir(getenv), APIGatewayAddr: apigwAddr})
	if err != nil {
		return err
	}
	defer stack.Close()
	// Each function's calls are judged by its policies in the template, as IAM does on AWS.
	svc.dynamo.SetAuthorizer(stack.Policies)
	svc.queues.SetAuthorizer(stack.Policies)
	// Webhook delivery and its sweeper: stopped (deferred later, so run earlier) before the services close.
	sources, err := stack.StartEventSources(ctx)
	if err != nil {
		return err
	}
	defer sources.Stop()
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	// Loopback only: the runner has no TLS, and the API's HTTPS rule exempts loopback clients alone.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("listen on port %s: %w", port, err)
	}
	url := "http://localhost:" + fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	fmt.Fprintf(stdout, "HAPIHUB_API_URL=%s\n", url)
	fmt.Fprintf(stdout, "HAPIHUB_TEST_SECRET_KEY=%s\n", stack.Bootstrap.TestSecretKey)
	fmt.Fprintf(stdout, "HAPIHUB_TEST_PUBLISHABLE_KEY=%s\n", stack.Bootstrap.TestPublishableKey)
	fmt.Fprintf(stdout, "HAPIHUB_DYNAMODB_ENDPOINT=%s\n", svc.dynamoEndpoint)
	fmt.Fprintf(stdout, "HAPIHUB_SQS_ENDPOINT=%s\n", svc.sqsEndpoint)
	fmt.Fprintf(stdout, "HAPIHUB_APIGATEWAY_ENDPOINT=%s\n", stack.APIGatewayEndpoint)
	if stack.Bootstrap.Created {
		fmt.Fprintf(stdout, "HAPIHUB_LIVE_SECRET_KEY=%s\n", stack.Bootstrap.LiveSecretKey)
	}
	if path, ok := consolePath(tpl); ok {
		fmt.Fprintf(stdout, "Console: %s%s\n", url, path)
		// The local account's way into the console: a one-time link, a fresh one in the data
		// directory after each use (make console-link), gone when the runner stops.
		file := filepath.Join(dataDir(getenv), SignInFile)
		link, err := stack.SignIn.Start(url, func(link string) {
			if err := writePrivate(file, link+"\n"); err != nil {
				log.Error("console sign-in link", "err", err)
			}
		})
		if err != nil {
			return err
		}
		defer os.Remove(file)
		fmt.Fprintf(stdout, "Console sign-in: %s\n", link)
	}
	srv := &http.Server{Handler: stack.Gateway, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "url", url, "dynamodb", svc.dynamoEndpoint, "sqs", svc.sqsEndpoint, "account", stack.Bootstrap.AccountID)
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	// API Gateway's integration timeout is 29 s: no request runs longer.
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// SignInFile is the file in the data directory that holds, while `hapihub run` runs, a one-time
// console sign-in link for the local account not yet used (make console-link prints it).
const SignInFile = "console-sign-in"

// writePrivate replaces file with content readable by its owner only (0600): a sign-in link is
// a credential. Written to a temporary file first, so a reader never sees half a link.
func writePrivate(file, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".sign-in-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

// consolePath is where the developer console is served, when the template has it: the route
// of the function behind /console.
func consolePath(tpl *template.Template) (string, bool) {
	for _, r := range tpl.Routes() {
		if r.Path == "/console" {
			return r.Path, true
		}
	}
	return "", false
}

func invoke(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log *slog.Logger) (err error) {
	fs := flag.NewFlagSet("invoke", flag.ContinueOnError)
	tplPath := fs.String("template", "template.yaml", "the SAM template")
	function := fs.String("function", "", "function name (patients) or logical id (PatientsFunction)")
	eventPath := fs.String("event", "", "event JSON file; - for stdin")
	dir := fs.String("data-dir", "", "data directory (default: HAPIHUB_DATA_DIR or .hapihub)")
	temp := fs.Bool("temp", false, "use a temporary data directory, removed afterwards")
	raw := fs.Bool("raw", false, "send the event unchanged instead of acting as the sandbox account")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *function == "" || *eventPath == "" {
		return errors.New(usage)
	}
	tpl, err := template.Load(*tplPath)
	if err != nil {
		return err
	}
	if _, ok := tpl.Function(*function); !ok {
		return fmt.Errorf("no function %q in %s", *function, *tplPath)
	}
	var event []byte
	if *eventPath == "-" {
		event, err = io.ReadAll(os.Stdin)
	} else {
		event, err = os.ReadFile(*eventPath)
	}
	if err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	switch {
	case *temp:
		tmp, err := os.MkdirTemp("", "hapihub-invoke-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	case *dir == "":
		*dir = dataDir(getenv)
	}
	svc, err := startServices(ctx, *dir, "", "")
	if err != nil {
		return fmt.Errorf("%w (if hapihub run is using %s, pass -temp or another -data-dir)", err, *dir)
	}
	defer func() {
		if cerr := svc.close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	stack, err := runner.Start(ctx, runner.Options{Template: tpl, DynamoDBEndpoint: svc.dynamoEndpoint, SQSEndpoint: svc.sqsEndpoint,
		Region: getenv("AWS_REGION"), Log: log, DataDir: *dir})
	if err != nil {
		return err
	}
	defer stack.Close()
	// Each function's calls are judged by its policies in the template, as IAM does on AWS.
	svc.dynamo.SetAuthorizer(stack.Policies)
	svc.queues.SetAuthorizer(stack.Policies)
	out, err := stack.Invoke(ctx, *function, event, !*raw)
	if err != nil {
		return fmt.Errorf("invoke %s: %w", *function, err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
