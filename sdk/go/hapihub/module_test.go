package hapihub_test

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const modulePath = "github.com/hapihub/hapihub/sdk/go"

// A user's program: what docs/sdk.md's installation section has them write.
const userProgram = `package main

import (
	"fmt"

	"github.com/hapihub/hapihub/sdk/go/hapihub"
)

func main() {
	c := hapihub.New("sk_test_x", hapihub.WithBaseURL("http://localhost:3000"))
	q := hapihub.Where(hapihub.Eq("status", "active")).Sort("lastName", hapihub.Asc).Sort("firstName", hapihub.Desc)
	fmt.Println(c.Patients != nil, q.Encode())
}
`

// TestInstallInFreshModule installs the SDK into a new module both ways docs/sdk.md shows — from
// a module proxy with go get, and from a local checkout with a replace directive — builds a
// program with it, and checks that the build list is the program and the SDK alone: installing
// the SDK must not pull the server's dependencies. The proxy is a file:// directory laid out as
// the GOPROXY protocol says (https://go.dev/ref/mod#goproxy-protocol), so no network is used.
func TestInstallInFreshModule(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root, err := filepath.Abs("..")
	noErr(t, err)
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the SDK module's go.mod: %v", err)
	}
	cache := t.TempDir()
	run := func(t *testing.T, dir string, env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		// A private module cache, writable so that TempDir can remove it; no workspace, no
		// toolchain switch, no checksum database (the version exists only in the test's proxy).
		cmd.Env = append(os.Environ(), "GOMODCACHE="+cache, "GOFLAGS=-modcacherw", "GOWORK=off",
			"GOTOOLCHAIN=local", "GOSUMDB=off", "GOPROXY=off", "GONOSUMDB=", "GOPRIVATE=")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	newModule := func(t *testing.T) string {
		dir := t.TempDir()
		noErr(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/clinicapp\n\ngo 1.23\n"), 0o644))
		noErr(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(userProgram), 0o644))
		return dir
	}
	buildAndList := func(t *testing.T, dir string, env []string, wantSDK string) {
		t.Helper()
		out, err := url.QueryUnescape(run(t, dir, env, "run", "."))
		noErr(t, err)
		check.Equal(t, "true status=active&$sort[0][lastName]=1&$sort[1][firstName]=-1\n", out, "the program ran with the SDK")
		list := strings.Split(strings.TrimSpace(run(t, dir, env, "list", "-m", "-f", "{{.Path}} {{.Version}}", "all")), "\n")
		check.Equal(t, []string{"example.com/clinicapp ", modulePath + " " + wantSDK}, list, "go list -m all: only the SDK besides the program")
	}

	t.Run("go get from a proxy", func(t *testing.T) {
		proxy := t.TempDir()
		writeProxyModule(t, proxy, root, "v0.1.0")
		env := []string{"GOPROXY=file://" + filepath.ToSlash(proxy)}
		dir := newModule(t)
		run(t, dir, env, "get", modulePath+"@v0.1.0")
		buildAndList(t, dir, env, "v0.1.0")
		run(t, dir, env, "mod", "tidy")
		sum, err := os.ReadFile(filepath.Join(dir, "go.sum"))
		noErr(t, err)
		check.Equal(t, 2, strings.Count(string(sum), "\n"), "go.sum holds the SDK's two lines and nothing else:\n%s", sum)
	})

	t.Run("local path with replace", func(t *testing.T) {
		dir := newModule(t)
		run(t, dir, nil, "mod", "edit", "-replace", modulePath+"="+root)
		run(t, dir, nil, "get", modulePath)
		out := run(t, dir, nil, "list", "-m", "-f", "{{.Path}} {{.Version}} {{if .Replace}}{{.Replace.Path}}{{end}}", modulePath)
		check.Equal(t, modulePath+" v0.0.0-00010101000000-000000000000 "+root+"\n", out)
		buildAndList(t, dir, nil, "v0.0.0-00010101000000-000000000000")
	})
}

// writeProxyModule lays out version of the module in dir as a GOPROXY serves it: list, .info,
// .mod and a .zip whose files sit under module@version/.
func writeProxyModule(t *testing.T, dir, root, version string) {
	t.Helper()
	base := filepath.Join(dir, filepath.FromSlash(modulePath), "@v")
	noErr(t, os.MkdirAll(base, 0o755))
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	noErr(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		w, err := zw.Create(modulePath + "@" + version + "/" + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	noErr(t, err)
	noErr(t, zw.Close())
	for name, body := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": []byte(`{"Version":"` + version + `","Time":"2026-12-01T00:00:00Z"}`),
		version + ".mod":  gomod,
		version + ".zip":  buf.Bytes(),
	} {
		noErr(t, os.WriteFile(filepath.Join(base, name), body, 0o644))
	}
}
