package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/recon-dev/recon/formats"
	"github.com/recon-dev/recon/money"
)

// Config is the effective configuration of a run. Money settings are
// decimal text ("0.00"), never floats.
type Config struct {
	// AmountScale is the number of decimal places money is held at.
	AmountScale int `yaml:"amount_scale" json:"amount_scale"`
	// DateWindowDays is how many calendar days two bookings of one movement
	// may lie apart.
	DateWindowDays int `yaml:"date_window_days" json:"date_window_days"`
	// BusinessTimezone is the zone calendar days are taken in.
	BusinessTimezone string `yaml:"business_timezone" json:"business_timezone"`
	// BalanceTolerance is how far platform totals may differ before
	// CUSTODY_SHORTFALL or CUSTODY_EXCESS.
	BalanceTolerance string `yaml:"balance_tolerance" json:"balance_tolerance"`
	// MaxFeeRate caps a fee against the movements it charges.
	MaxFeeRate string `yaml:"max_fee_rate" json:"max_fee_rate"`
	// Severities overrides the default severity of exception kinds.
	Severities map[string]string `yaml:"severities" json:"severities"`
	// ExceptionsPerPart is the most rows one exceptions Parquet part holds.
	ExceptionsPerPart int `yaml:"exceptions_per_part" json:"exceptions_per_part"`
	// Flows are the allowed-flow rules.
	Flows Flows `yaml:"flows" json:"flows"`
	// Verdict sets the thresholds of the black, grey and red lists.
	Verdict Verdict `yaml:"verdict" json:"verdict"`
	// Limits bound what inputs may make the engine do.
	Limits Limits `yaml:"limits" json:"limits"`
}

// Limits mirrors formats.Limits in the configuration file.
type Limits struct {
	RowsPerObject    int64 `yaml:"rows_per_object" json:"rows_per_object"`
	BytesPerObject   int64 `yaml:"bytes_per_object" json:"bytes_per_object"`
	StringBytes      int   `yaml:"string_bytes" json:"string_bytes"`
	ColumnChunkBytes int64 `yaml:"column_chunk_bytes" json:"column_chunk_bytes"`
	ErrorsPerObject  int   `yaml:"errors_per_object" json:"errors_per_object"`
	FilesPerRun      int   `yaml:"files_per_run" json:"files_per_run"`
}

// Severities, most severe first.
var severityOrder = []string{"critical", "high", "medium", "low", "info"}

// SeverityRank returns 0 for critical up to 4 for info, or -1.
func SeverityRank(s string) int { return slices.Index(severityOrder, s) }

// SeverityNames lists the severities, most severe first.
func SeverityNames() []string { return slices.Clone(severityOrder) }

// Default returns the configuration the contract describes.
func Default() Config {
	l := formats.DefaultLimits()
	return Config{
		AmountScale:       2,
		DateWindowDays:    1,
		BusinessTimezone:  "Asia/Shanghai",
		BalanceTolerance:  "0",
		MaxFeeRate:        "0.02",
		Severities:        map[string]string{},
		ExceptionsPerPart: 1_000_000,
		Flows:             DefaultFlows(),
		Verdict:           DefaultVerdict(),
		Limits: Limits{
			RowsPerObject: l.RowsPerObject, BytesPerObject: l.BytesPerObject, StringBytes: l.StringBytes,
			ColumnChunkBytes: l.ColumnChunkBytes, ErrorsPerObject: l.ErrorsPerObject, FilesPerRun: l.FilesPerRun,
		},
	}
}

// Load reads a YAML file over the defaults; an empty path gives Default().
// Unknown keys are errors.
func Load(path string) (Config, error) {
	cfg := Default()
	if path == "" {
		return cfg, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	cfg, err = Parse(f)
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse reads YAML over the defaults and validates the result.
func Parse(r io.Reader) (Config, error) {
	cfg := Default()
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, err
	}
	if cfg.Severities == nil {
		cfg.Severities = map[string]string{}
	}
	return cfg, cfg.Validate()
}

// Validate checks every setting and returns all problems joined.
func (c Config) Validate() error {
	var errs []error
	if err := money.CheckScale(c.AmountScale); err != nil {
		errs = append(errs, fmt.Errorf("amount_scale: %w", err))
	}
	if c.DateWindowDays < 0 || c.DateWindowDays > 366 {
		errs = append(errs, fmt.Errorf("date_window_days: %d out of range 0..366", c.DateWindowDays))
	}
	if _, err := time.LoadLocation(c.BusinessTimezone); err != nil || c.BusinessTimezone == "" {
		errs = append(errs, fmt.Errorf("business_timezone: unknown zone %q", c.BusinessTimezone))
	}
	if _, err := c.BalanceToleranceMinor(); err != nil {
		errs = append(errs, fmt.Errorf("balance_tolerance: %w", err))
	}
	if r, err := decimal.NewFromString(c.MaxFeeRate); err != nil || r.Sign() < 0 || r.GreaterThan(decimal.NewFromInt(1)) {
		errs = append(errs, fmt.Errorf("max_fee_rate: %q is not a decimal between 0 and 1", c.MaxFeeRate))
	}
	for kind, sev := range c.Severities {
		if SeverityRank(sev) < 0 {
			errs = append(errs, fmt.Errorf("severities: %s: %q is not one of %v", kind, sev, severityOrder))
		}
	}
	if err := validateFlows(c.Flows, c.AmountScale); err != nil {
		errs = append(errs, err)
	}
	if err := validateVerdict(c.Verdict, c.AmountScale); err != nil {
		errs = append(errs, err)
	}
	if c.ExceptionsPerPart < 1 {
		errs = append(errs, fmt.Errorf("exceptions_per_part: must be at least 1"))
	}
	l := c.Limits
	if l.RowsPerObject < 1 || l.BytesPerObject < 1 || l.StringBytes < 1 || l.ColumnChunkBytes < 1 || l.ErrorsPerObject < 1 || l.FilesPerRun < 1 {
		errs = append(errs, fmt.Errorf("limits: every limit must be at least 1"))
	}
	return errors.Join(errs...)
}

// BalanceToleranceMinor returns the tolerance in minor units.
func (c Config) BalanceToleranceMinor() (int64, error) {
	v, err := money.Parse(c.BalanceTolerance, c.AmountScale)
	if err == nil && v < 0 {
		err = fmt.Errorf("must not be negative")
	}
	return v, err
}

// FeeRate returns max_fee_rate as an exact decimal.
func (c Config) FeeRate() decimal.Decimal { return decimal.RequireFromString(c.MaxFeeRate) }

// Location returns the business time zone.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.BusinessTimezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// FormatLimits returns the limits for the readers.
func (c Config) FormatLimits() formats.Limits {
	l := c.Limits
	return formats.Limits{
		RowsPerObject: l.RowsPerObject, BytesPerObject: l.BytesPerObject, StringBytes: l.StringBytes,
		ColumnChunkBytes: l.ColumnChunkBytes, ErrorsPerObject: l.ErrorsPerObject, FilesPerRun: l.FilesPerRun,
	}
}

// YAML returns the configuration as YAML, keys in a fixed order.
func (c Config) YAML() []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	_ = enc.Encode(c)
	_ = enc.Close()
	return buf.Bytes()
}

// Hash returns the SHA-256 of the configuration's canonical JSON, for the
// manifest.
func (c Config) Hash() string {
	b, _ := json.Marshal(c.canonical()) // map keys come out sorted

	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonical returns c with nil slices and maps made empty: the two read
// alike ("allowed:" in YAML decodes to nil, and prints back as "[]") and
// must hash alike. FuzzParse found configurations whose hash changed once
// printed and parsed again.
func (c Config) canonical() Config {
	if c.Severities == nil {
		c.Severities = map[string]string{}
	}
	f := &c.Flows
	f.Allowed = slices.Clone(f.Allowed)
	if f.Allowed == nil {
		f.Allowed = []FlowRule{}
	}
	for i := range f.Allowed {
		r := &f.Allowed[i]
		for _, s := range []*[]string{&r.Payer, &r.Payee, &r.Kinds} {
			if *s == nil {
				*s = []string{}
			}
		}
	}
	for _, s := range []*[]string{&f.UserRoles, &f.PoolingRoles, &f.PlatformRoles, &f.GuaranteeRoles} {
		if *s == nil {
			*s = []string{}
		}
	}
	return c
}
