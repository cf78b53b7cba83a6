"""Fine-tune a LoRA adapter on Siyada's exported review dataset (docs/training.md).

`python -m train.finetune --data DIR --base GGUF_OR_HF --out DIR` trains with Unsloth on
a GPU, or with transformers and peft on the CPU, and writes the adapter (peft and GGUF),
the loss per step and a record of the run.
"""
