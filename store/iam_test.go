package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/recon-dev/recon/store"
	"github.com/recon-dev/recon/store/miniotest"
)

// TestIAMPolicies checks the policies of deploy/ on MinIO: each role can do
// what it needs and nothing else.
func TestIAMPolicies(t *testing.T) {
	srv := miniotest.Start(t)
	for _, c := range []struct{ name, prefix string }{
		{"bucket-root", ""},
		{"prefix", "tenant-a/recon"},
	} {
		t.Run(c.name, func(t *testing.T) { testIAM(t, srv, c.name, c.prefix) })
	}
}

func testIAM(t *testing.T, srv *miniotest.Server, id, prefix string) {
	ctx := context.Background()
	vars := map[string]string{"BUCKET": srv.Bucket, "PREFIX": ""}
	if prefix != "" {
		vars["PREFIX"] = prefix + "/"
	}
	user := func(name string, policy []byte) store.Store {
		ak, sk := srv.CreateUser(id+"-"+name, policy)
		cfg := s3Config(srv, ak, sk)
		cfg.Region = "" // found with GetBucketLocation, which every policy allows
		cfg.PartSize = 5 << 20
		return newS3(t, cfg, srv.Bucket, prefix)
	}
	bankVars := func(bank string) map[string]string {
		m := map[string]string{"BANK": bank}
		for k, v := range vars {
			m[k] = v
		}
		return m
	}
	root := newS3(t, s3Config(srv, srv.AccessKey, srv.SecretKey), srv.Bucket, prefix)
	bank1 := user("bank-B1", miniotest.Policy(t, "bank", bankVars("B1")))
	engine := user("engine", miniotest.Policy(t, "engine", vars))
	auditor := user("auditor", miniotest.Policy(t, "auditor", vars))

	const (
		d       = "date=2026-11-26"
		b1Txn   = "custody/transactions/" + d + "/bank=B1/platform=P1/part-0.parquet"
		b1Bal   = "custody/balances/" + d + "/bank=B1/platform=P1/part-0.parquet"
		b2Txn   = "custody/transactions/" + d + "/bank=B2/platform=P1/part-0.parquet"
		b2Bal   = "custody/balances/" + d + "/bank=B2/platform=P1/part-0.parquet"
		b10Txn  = "custody/transactions/" + d + "/bank=B10/platform=P1/part-0.parquet"
		ledger  = "ledger/transactions/" + d + "/platform=P1/part-0.parquet"
		reg     = "registry/accounts/platform=P1/part-0.parquet"
		summary = "runs/date=2026-11-25/summary.json"
		exc     = "runs/date=2026-11-26/exceptions/platform=P1/part-00000.parquet"
		quar    = "quarantine/date=2026-11-26/bank=B2/platform=P1/part-0.parquet"
	)
	seed := map[string][]byte{}
	for _, k := range []string{b1Txn, b2Txn, b2Bal, b10Txn, ledger, reg, summary} {
		seed[k] = []byte("seed " + k)
		if err := root.Put(ctx, k, bytes.NewReader(seed[k]), int64(len(seed[k]))); err != nil {
			t.Fatal(err)
		}
	}
	unchanged := func(t *testing.T, key string) {
		t.Helper()
		obj, err := root.Open(ctx, key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		defer obj.Close()
		got, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.SizeBytes()))
		if err != nil || !bytes.Equal(got, seed[key]) {
			t.Errorf("%s changed: %q, %v", key, got, err)
		}
	}
	absent := func(t *testing.T, key string) {
		t.Helper()
		if _, err := root.Stat(ctx, key); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("%s: Stat = %v, want ErrNotExist", key, err)
		}
	}
	payload := []byte("new content")
	sum := sha256.Sum256(payload)
	opts := store.PutOptions{SHA256: hex.EncodeToString(sum[:])}
	putOp := func(s store.Store, key string) func() error {
		return func() error { return s.Put(ctx, key, bytes.NewReader(payload), int64(len(payload)), opts) }
	}
	bigOp := func(s store.Store, key string) func() error { // multipart
		big := bytes.Repeat([]byte("m"), 6<<20) // above the users' 5 MiB part size
		return func() error { return s.Put(ctx, key, bytes.NewReader(big), int64(len(big))) }
	}
	readOp := func(s store.Store, key string) func() error {
		return func() error {
			obj, err := s.Open(ctx, key)
			if err != nil {
				return err
			}
			defer obj.Close()
			_, err = io.ReadAll(io.NewSectionReader(obj, 0, obj.SizeBytes()))
			return err
		}
	}
	statOp := func(s store.Store, key string) func() error {
		return func() error { _, err := s.Stat(ctx, key); return err }
	}
	deleteOp := func(s store.Store, key string) func() error {
		return func() error { return s.Delete(ctx, key) }
	}
	listOp := func(s store.Store, p string, want ...string) func() error {
		return func() error {
			infos, err := s.List(ctx, p)
			if err != nil {
				return err
			}
			var got []string
			for _, o := range infos {
				got = append(got, o.Key)
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("List(%q) = %q, missing %q", p, got, w)
				}
			}
			return nil
		}
	}

	type check struct {
		what   string
		op     func() error
		denied bool
		after  func(*testing.T)
	}
	var (
		allowed = false
		denied  = true
	)
	checks := []check{
		// A bank writes and re-reads its own statements, nothing else.
		{"bank writes its transactions", putOp(bank1, b1Txn), allowed, nil},
		{"bank writes its balances", putOp(bank1, b1Bal), allowed, nil},
		{"bank writes a large file (multipart)", bigOp(bank1, "custody/transactions/"+d+"/bank=B1/platform=P2/big.parquet"), allowed, nil},
		{"bank reads its own file", readOp(bank1, b1Txn), allowed, nil},
		{"bank stats its own file", statOp(bank1, b1Bal), allowed, nil},
		{"bank lists its own prefix", listOp(bank1, "custody/transactions/"+d+"/bank=B1/", b1Txn), allowed, nil},
		{"bank reads another bank's file", readOp(bank1, b2Txn), denied, nil},
		{"bank stats another bank's file", statOp(bank1, b2Bal), denied, nil},
		{"bank overwrites another bank's file", putOp(bank1, b2Txn), denied, func(t *testing.T) { unchanged(t, b2Txn) }},
		{"bank writes under another bank", putOp(bank1, "custody/balances/"+d+"/bank=B2/platform=P1/x.parquet"), denied,
			func(t *testing.T) { absent(t, "custody/balances/"+d+"/bank=B2/platform=P1/x.parquet") }},
		{"bank writes under a bank whose id extends its own", putOp(bank1, b10Txn), denied, func(t *testing.T) { unchanged(t, b10Txn) }},
		{"bank smuggles its bank= segment into another bank's prefix",
			putOp(bank1, "custody/transactions/"+d+"/bank=B2/platform=P1/bank=B1/x.parquet"), denied,
			func(t *testing.T) { absent(t, "custody/transactions/"+d+"/bank=B2/platform=P1/bank=B1/x.parquet") }},
		{"bank smuggles through the date segment",
			putOp(bank1, "custody/transactions/date=x/bank=B2/y/bank=B1/x.parquet"), denied, nil},
		{"bank deletes its own file", deleteOp(bank1, b1Txn), denied, nil},
		{"bank writes the ledger", putOp(bank1, ledger), denied, func(t *testing.T) { unchanged(t, ledger) }},
		{"bank writes the registry", putOp(bank1, reg), denied, nil},
		{"bank writes an engine output", putOp(bank1, exc), denied, func(t *testing.T) { absent(t, exc) }},
		{"bank overwrites a run summary", putOp(bank1, summary), denied, func(t *testing.T) { unchanged(t, summary) }},
		{"bank reads a run summary", readOp(bank1, summary), denied, nil},
		{"bank writes quarantine", putOp(bank1, quar), denied, nil},
		{"bank lists the store", listOp(bank1, ""), denied, nil},
		{"bank lists all custody files", listOp(bank1, "custody/"), denied, nil},
		{"bank lists another bank's prefix", listOp(bank1, "custody/transactions/"+d+"/bank=B2/"), denied, nil},

		// The engine reads inputs, writes runs/ and quarantine/ only.
		{"engine lists the store", listOp(engine, "", b1Txn, b2Txn, ledger, reg, summary), allowed, nil},
		{"engine reads custody", readOp(engine, b2Txn), allowed, nil},
		{"engine reads the ledger", readOp(engine, ledger), allowed, nil},
		{"engine reads the registry", readOp(engine, reg), allowed, nil},
		{"engine reads a run", readOp(engine, summary), allowed, nil},
		{"engine writes exceptions", putOp(engine, exc), allowed, nil},
		{"engine writes large exceptions (multipart)", bigOp(engine, "runs/date=2026-11-26/exceptions/platform=P2/part-00000.parquet"), allowed, nil},
		{"engine writes the manifest", putOp(engine, "runs/date=2026-11-26/_MANIFEST.json"), allowed, nil},
		{"engine quarantines", putOp(engine, quar), allowed, nil},
		{"engine writes a reason", putOp(engine, quar+".reason.txt"), allowed, nil},
		{"engine deletes in quarantine", deleteOp(engine, quar+".reason.txt"), allowed, nil},
		{"engine deletes in runs", deleteOp(engine, "runs/date=2026-11-26/exceptions/platform=P2/part-00000.parquet"), allowed, nil},
		{"engine overwrites custody", putOp(engine, b2Txn), denied, func(t *testing.T) { unchanged(t, b2Txn) }},
		{"engine writes into custody", putOp(engine, "custody/transactions/"+d+"/bank=B2/platform=P1/new.parquet"), denied, nil},
		{"engine deletes custody", deleteOp(engine, b2Txn), denied, func(t *testing.T) { unchanged(t, b2Txn) }},
		{"engine writes the ledger", putOp(engine, ledger), denied, func(t *testing.T) { unchanged(t, ledger) }},
		{"engine deletes the registry", deleteOp(engine, reg), denied, func(t *testing.T) { unchanged(t, reg) }},
		{"engine writes elsewhere", putOp(engine, "other/x"), denied, nil},

		// The auditor reads runs/ and nothing else.
		{"auditor reads a run", readOp(auditor, summary), allowed, nil},
		{"auditor reads exceptions", readOp(auditor, exc), allowed, nil},
		{"auditor lists runs", listOp(auditor, "runs/", summary, exc), allowed, nil},
		{"auditor lists one run", listOp(auditor, "runs/date=2026-11-25/", summary), allowed, nil},
		{"auditor writes a run", putOp(auditor, summary), denied, func(t *testing.T) { unchanged(t, summary) }},
		{"auditor deletes a run", deleteOp(auditor, summary), denied, func(t *testing.T) { unchanged(t, summary) }},
		{"auditor writes custody", putOp(auditor, b2Txn), denied, nil},
		{"auditor writes quarantine", putOp(auditor, quar), denied, nil},
		{"auditor reads custody", readOp(auditor, b2Txn), denied, nil},
		{"auditor reads the ledger", readOp(auditor, ledger), denied, nil},
		{"auditor reads quarantine", readOp(auditor, quar), denied, nil},
		{"auditor lists the store", listOp(auditor, ""), denied, nil},
		{"auditor lists custody", listOp(auditor, "custody/"), denied, nil},
	}
	for _, c := range checks {
		err := c.op()
		switch {
		case c.denied && !errors.Is(err, store.ErrAccessDenied):
			t.Errorf("%s: err = %v, want ErrAccessDenied", c.what, err)
		case !c.denied && err != nil:
			t.Errorf("%s: %v", c.what, err)
		}
		if c.after != nil {
			c.after(t)
		}
	}

	// The bank's upload carries its digest: a re-upload can be skipped.
	if got, err := store.ContentSHA256(ctx, bank1, b1Txn); err != nil || got != opts.SHA256 {
		t.Errorf("bank ContentSHA256 of its own file = %q, %v", got, err)
	}
	// A bank asking for a file of its own that is not there learns so.
	if _, err := bank1.Stat(ctx, "custody/transactions/"+d+"/bank=B1/platform=P1/missing.parquet"); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("bank Stat of a missing own file = %v, want ErrNotExist", err)
	}
}
