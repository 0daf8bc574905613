// Package report holds what a run says about itself: the summary
// (summary.json and the printed summary), the manifest that commits a run
// (_MANIFEST.json) and the HTML report. All three are deterministic: the
// same inputs give the same bytes.
package report
