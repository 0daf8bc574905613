package report

import (
	"encoding/json"
	"fmt"
)

// ManifestName is the commit marker's file name under runs/date=D/.
const ManifestName = "_MANIFEST.json"

// Manifest is _MANIFEST.json: written last, it commits a run. A reader
// trusts a run's outputs only when the manifest exists and lists them.
type Manifest struct {
	RunDate       string           `json:"run_date"`
	EngineVersion string           `json:"engine_version"`
	ConfigSHA256  string           `json:"config_sha256"`
	Inputs        []Input          `json:"inputs"`
	Outputs       []Output         `json:"outputs"`
	Rows          map[string]int64 `json:"rows"`
	Exceptions    map[string]int   `json:"exceptions"` // by kind
}

// Input is one input object read.
type Input struct {
	Key       string `json:"key"`
	SizeBytes int64  `json:"size_bytes"`
	SHA256    string `json:"sha256"`
	Table     string `json:"table"`
	Rows      int64  `json:"rows"`
	Rejected  bool   `json:"rejected,omitempty"`
}

// Output is one output object written.
type Output struct {
	Key       string `json:"key"`
	SizeBytes int64  `json:"size_bytes"`
	SHA256    string `json:"sha256"`
}

// JSON returns the manifest as indented JSON with a final newline.
func (m *Manifest) JSON() []byte {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("manifest: %v", err))
	}
	return append(b, '\n')
}

// ParseManifest reads a manifest.
func ParseManifest(data []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return &m, nil
}
