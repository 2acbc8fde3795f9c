"""What both sources share: the raw layer's shapes and the Graph payload parser."""
