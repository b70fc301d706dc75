# kvm_layers: kvm/ stands in layers (kvm/README.md): no file ties into a
# higher layer and no files use each other in a circle, counted by
# tests/tools/kvm_layers.py over #includes and calls.  No KVM needed.
cd "$(dirname "$0")/../.." || exit 1
command -v python3 >/dev/null || { echo "FAIL: python3 is not installed (make test installs it)"; exit 1; }
python3 tests/tools/kvm_layers.py
