// Package miniotest runs a throw-away MinIO server for tests: on a free
// loopback port, over a temporary directory, with random root credentials
// and one bucket, stopped when the test ends.
//
// The server binary is RECON_MINIO_BIN, else <module root>/.cache/bin/minio
// (built by `make minio`, i.e. scripts/minio.sh). Without it Start skips the
// test, except under CI=true, where it fails it: CI must run the MinIO tests.
// With -short, Start always skips.
package miniotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/madmin-go/v3"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Region is the region the server reports for its buckets.
const Region = "us-east-1"

// Server is a running (or stopped) MinIO server owned by one test.
type Server struct {
	Endpoint  string // "http://127.0.0.1:PORT"
	Host      string // "127.0.0.1:PORT"
	AccessKey string // root credentials
	SecretKey string
	Bucket    string // created by Start

	t       testing.TB
	bin     string
	dataDir string
	logPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start runs a MinIO server for the test and stops it at the test's end.
func Start(t testing.TB) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("MinIO tests skipped with -short")
	}
	bin, err := BinaryPath()
	if err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("MinIO server binary not found (%v); CI must run the MinIO tests: run `make minio` (scripts/minio.sh) first", err)
		}
		t.Skipf("MinIO server binary not found (%v); run `make minio` to build it, or set RECON_MINIO_BIN", err)
	}
	dir := t.TempDir()
	s := &Server{
		AccessKey: "root-" + randomHex(6),
		SecretKey: randomHex(20),
		Bucket:    "recon-test",
		t:         t,
		bin:       bin,
		dataDir:   filepath.Join(dir, "data"),
		logPath:   filepath.Join(dir, "minio.log"),
	}
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			t.Logf("MinIO log (%s):\n%s", s.logPath, s.logTail(4096))
		}
	})
	// A free port can be taken between our probe and MinIO's bind: try a
	// few.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("miniotest: %v", err)
		}
		s.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		s.Endpoint = "http://" + s.Host
		if lastErr = s.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("miniotest: start MinIO: %v\n%s", lastErr, s.logTail(4096))
	}
	s.MakeBucket(s.Bucket)
	return s
}

// BinaryPath finds the MinIO server binary: RECON_MINIO_BIN, else
// <module root>/.cache/bin/minio.
func BinaryPath() (string, error) {
	p := os.Getenv("RECON_MINIO_BIN")
	if p == "" {
		root, err := ModuleRoot()
		if err != nil {
			return "", err
		}
		p = filepath.Join(root, ".cache", "bin", "minio")
	}
	st, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", p)
	}
	return p, nil
}

// ModuleRoot is the nearest directory at or above the working directory
// that holds a go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// start runs the server process on s.Host over s.dataDir and waits until it
// answers its liveness check.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("already running")
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "server", "--address", s.Host, "--quiet", s.dataDir)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINIO_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
	)
	cmd.Stdout = logf
	cmd.Stderr = logf
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	s.cmd, s.done = cmd, done

	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-done:
			s.cmd, s.done = nil, nil
			return fmt.Errorf("minio exited during start-up: %v", cmd.ProcessState)
		default:
		}
		resp, err := client.Get(s.Endpoint + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			s.killLocked()
			return errors.New("minio did not become live within 60s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server gracefully (SIGTERM, then SIGKILL after 10 s) and
// waits for it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		s.cmd, s.done = nil, nil
	case <-time.After(10 * time.Second):
		s.killLocked()
	}
}

// Kill kills the server at once (SIGKILL), as a crash would, and waits for
// it to exit. Killing a stopped server does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
}

// Restart starts a stopped (or killed) server again on the same port and
// data directory, with the same credentials, and waits until it answers S3
// requests. A running server is stopped first. It returns an error rather
// than failing the test, so it may run in a goroutine of its own.
func (s *Server) Restart() error {
	s.Stop()
	var err error
	for range 50 { // the port may linger briefly
		if err = s.start(); err == nil {
			return s.waitReady()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("miniotest: restart MinIO on %s: %w\n%s", s.Host, err, s.logTail(4096))
}

// waitReady waits until the server answers S3 requests (it may answer the
// liveness check before its object layer is initialised).
func (s *Server) waitReady() error {
	c, err := s.client()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("miniotest: MinIO not ready: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *Server) client() (*minio.Client, error) {
	return minio.New(s.Host, &minio.Options{
		Creds:  credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Region: Region,
	})
}

// Client returns a minio-go client with the root credentials.
func (s *Server) Client() *minio.Client {
	s.t.Helper()
	c, err := s.client()
	if err != nil {
		s.t.Fatalf("miniotest: client: %v", err)
	}
	return c
}

// MakeBucket creates a bucket (root credentials).
func (s *Server) MakeBucket(name string) {
	s.t.Helper()
	if err := s.waitReady(); err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Client().MakeBucket(ctx, name, minio.MakeBucketOptions{Region: Region}); err != nil {
		s.t.Fatalf("miniotest: make bucket %s: %v", name, err)
	}
}

// Env returns the AWS_* variables that point an S3 client at this server
// with the given credentials, as a getenv function.
func (s *Server) Env(accessKey, secretKey string) func(string) string {
	env := map[string]string{
		"AWS_ENDPOINT_URL_S3":   s.Endpoint,
		"AWS_REGION":            Region,
		"AWS_ACCESS_KEY_ID":     accessKey,
		"AWS_SECRET_ACCESS_KEY": secretKey,
	}
	return func(k string) string { return env[k] }
}

func (s *Server) admin() *madmin.AdminClient {
	s.t.Helper()
	adm, err := madmin.NewWithOptions(s.Host, &madmin.Options{
		Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
	})
	if err != nil {
		s.t.Fatalf("miniotest: admin client: %v", err)
	}
	return adm
}

// AddPolicy installs an IAM policy document (JSON) under a name.
func (s *Server) AddPolicy(name string, policy []byte) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.admin().AddCannedPolicy(ctx, name, policy); err != nil {
		s.t.Fatalf("miniotest: add policy %s: %v", name, err)
	}
}

// CreateUser creates a user whose only permissions are the given IAM policy
// document (installed as a policy named after the user) and returns its
// credentials. The user's access key is name (at least 3 characters).
func (s *Server) CreateUser(name string, policy []byte) (accessKey, secretKey string) {
	s.t.Helper()
	s.AddPolicy(name, policy)
	secretKey = randomHex(20)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := s.admin()
	if err := adm.AddUser(ctx, name, secretKey); err != nil {
		s.t.Fatalf("miniotest: add user %s: %v", name, err)
	}
	if _, err := adm.AttachPolicy(ctx, madmin.PolicyAssociationReq{Policies: []string{name}, User: name}); err != nil {
		s.t.Fatalf("miniotest: attach policy to %s: %v", name, err)
	}
	return name, secretKey
}

// Policy reads the IAM policy template deploy/policy-NAME.json of the
// module and fills in its ${...} placeholders from vars (see
// deploy/README.md: BUCKET, PREFIX with its trailing slash or empty, BANK).
// A placeholder left unfilled or a result that is not JSON fails the test.
func Policy(t testing.TB, name string, vars map[string]string) []byte {
	t.Helper()
	root, err := ModuleRoot()
	if err != nil {
		t.Fatalf("miniotest: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(root, "deploy", "policy-"+name+".json"))
	if err != nil {
		t.Fatalf("miniotest: %v", err)
	}
	s := string(b)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "${"+k+"}", v)
	}
	if strings.Contains(s, "${") {
		t.Fatalf("miniotest: policy %s has a placeholder left: %s", name, s)
	}
	if !json.Valid([]byte(s)) {
		t.Fatalf("miniotest: policy %s is not valid JSON", name)
	}
	return []byte(s)
}

// logTail returns the end of the server's log.
func (s *Server) logTail(n int) string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(bytes.TrimSpace(b))
}
