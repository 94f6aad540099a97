package org.fasterdit.inception;

import java.nio.file.Path;
import java.util.List;
import org.fasterdit.io.ReferenceScript;

/**
 * The outputs of benchmarks/reference/inception_reference.py: random FID Inception weights in both
 * torch.save formats (~91 MB each, too large to commit, so the tests generate them) plus the
 * reference outputs, made once per version of the script.
 */
final class InceptionReference {
  private InceptionReference() {}

  /** The folder holding fid_inception_legacy.pth, fid_inception_zip.pth, inception_case.npz. */
  static Path folder() throws Exception {
    return ReferenceScript.outputs(
        "inception_reference.py", List.of("torch", "torchvision", "numpy"));
  }
}
